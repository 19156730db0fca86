"""311 service requests: the agency's service catalogue, requests and the Open311 GeoReport v2 server."""

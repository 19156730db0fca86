"""Two-way machine translation in conversations (issue 20): residents' messages shown in the agents' language
beside the original, agents' replies sent in the resident's language after the agent has seen both."""

"""Print the CDK asset hash of a layer folder, as `cdk synth` computes it for the DepsLayer.

    python -m infra.tools.layer_hash build/layers/deps

`make layer` prints it after every build: two builds of the same lock, on any day and in any folder, must
print the same hash (the asset's S3 key), or a deploy would publish a new layer version for nothing.
"""

import sys

from aws_cdk import FileSystem, IgnoreMode

from infra.lambdas import LAYER_EXCLUDES


def layer_asset_hash(folder: str) -> str:
    return FileSystem.fingerprint(
        folder, exclude=list(LAYER_EXCLUDES), ignore_mode=IgnoreMode.GLOB, follow=None
    )


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m infra.tools.layer_hash <layer folder>")
    print(f"{argv[0]}: asset hash {layer_asset_hash(argv[0])}")


if __name__ == "__main__":
    main(sys.argv[1:])

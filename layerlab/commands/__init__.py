"""One module per `layerlab` subcommand; each has `add_parser(subparsers)` and `run(args) -> int`."""

# The order in which subcommands are listed by `layerlab --help`.
NAMES = ("open", "check", "summary", "export", "train", "sweep", "import")

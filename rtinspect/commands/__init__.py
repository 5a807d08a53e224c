"""One module per subcommand; see ``rtinspect.cli``."""

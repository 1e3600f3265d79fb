"""Sub-commands of the `specforge` CLI; each module has `register(subparsers)`."""

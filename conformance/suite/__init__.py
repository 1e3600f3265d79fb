"""The conformance suite: pytest modules run by `specforge conform`."""

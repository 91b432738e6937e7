"""Pure domain core: dataclasses and pure functions, no I/O."""

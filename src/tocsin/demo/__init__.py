"""Demo data shipped with the package, loaded by `tocsin demo load` and `make run`."""

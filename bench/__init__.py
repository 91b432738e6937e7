"""tocsin benchmarks: `make bench`. Each result is a ratio against a baseline measured in the same run."""

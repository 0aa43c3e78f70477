"""The environments, one package per family (importable as ``simenv.envs``)."""

"""The data contract: schema, reading and validating input files, configuration, texts."""

"""The build: chapter plan, kernels, output folder, publishing, CLI, demo data, benchmark."""

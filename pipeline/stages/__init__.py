"""The pipeline's stages, in order: ingest -> parse -> extract -> validate -> publish.

Each stage is one module with one entry point, `run(...)`, reading and writing Parquet files
in the stage folder (`<out>/stages/`). `kzru build` runs them all; `dvc.yaml` declares them.
"""

STAGES: tuple[str, ...] = ("ingest", "parse", "extract", "validate", "publish")

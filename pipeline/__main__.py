"""`python -m pipeline ...` is the same as the `kzru` console script."""

from pipeline.cli import main

raise SystemExit(main())

"""`python -m tuneprep ...` = `tuneprep ...`."""
import sys

from tuneprep.pipelines.cli import main

sys.exit(main())

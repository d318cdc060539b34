"""Paper tables and figures rebuilt from results/*.json (paper numbers beside ours)."""

#!/bin/bash
# demo.sh: `make demo`. The whole pipeline on a throwaway PostgreSQL.
set -u
echo "prodfuzz demo: sampling, anonymizing, shaping and fuzzing are being built;"
echo "this demo will run them on a throwaway PostgreSQL once they land."

#!/bin/bash -eu
# ClusterFuzzLite (and OSS-Fuzz) call $SRC/build.sh in the image the
# Dockerfile beside this file describes: prodfuzz's fuzz/build.sh does the
# work, under the same contract ($CC $CFLAGS, $CXX $CXXFLAGS,
# $LIB_FUZZING_ENGINE, $OUT, $WORK, $SRC).
exec "$SRC/prodfuzz/fuzz/build.sh"

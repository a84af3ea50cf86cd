# `make flink`: the classpath of Beam's Flink job server and of a Flink 1.19 session cluster,
# resolved by Maven from deploy/flink/local/pom.xml (versions written there, once) into
# .cache/flink/lib (git-ignored). Only the Maven registry is used. deploy/flink/local/cluster.sh
# starts the cluster from it; tests/e2e/test_flink.py runs tuneprep on that cluster.
# The Makefile includes this file: `include deploy/flink/local/flink.mk`.
FLINK_POM := deploy/flink/local/pom.xml
FLINK_LIB := .cache/flink/lib

.PHONY: flink

$(FLINK_LIB)/.resolved: $(FLINK_POM)
	@command -v mvn >/dev/null || { echo "make flink: needs Maven (mvn) and a Java 17 JDK"; exit 1; }
	@echo "resolving the Flink classpath from Maven into $(FLINK_LIB)/ (once: ~1 min, ~160 MB)"
	@rm -rf $(FLINK_LIB)
	mvn -q -f $(FLINK_POM) dependency:copy-dependencies -DincludeScope=runtime \
	    -DoutputDirectory=$(abspath $(FLINK_LIB))
	@touch $@

flink: $(FLINK_LIB)/.resolved

"""The dataset sink, in the shape of Beam's FileBasedSink: parts written by the workers, then
shards, then one finalize (sampling, quotas, the dataset rules, report, manifest, training
request, _SUCCESS). Plain Python."""

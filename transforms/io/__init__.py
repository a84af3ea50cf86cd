"""Files and stores: fsspec/S3 access and its failures, the readers, byte ranges of big files,
images, the output folder's claim and layout, and assembling the dataset. Plain Python."""

"""The thumbnail function: S3 uploads in, display and thumbnail JPEGs out, READY or FAILED."""

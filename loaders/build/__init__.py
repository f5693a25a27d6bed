"""The shared build pipeline: fetch, read formats, genome, intervals -> sequences -> clusters -> splits -> export."""

"""statsd"""

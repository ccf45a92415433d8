"""Infrastructure with no domain words: the cache client's error types, pages kept in the
cache, faster history writes, Markdown to safe HTML, security headers, the health check,
language and log formatting. Every other app may use it; it imports none of them."""

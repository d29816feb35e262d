"""The knowledge base (知识库, R-KB): versioned standard answers, Chinese full-text search, 直办 citations."""

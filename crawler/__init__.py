"""The Scrapy project that reads the review site into the catalogue and the store."""

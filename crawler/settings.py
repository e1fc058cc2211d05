"""Scrapy project settings (`scrapy crawl albums` reads this module); every value comes from ALBUMML_* settings."""

from albumml.config import load_settings
from crawler.scrapy_settings import scrapy_settings

globals().update(scrapy_settings(load_settings()))

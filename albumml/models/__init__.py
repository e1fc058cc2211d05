"""Image backbones and the study's mood heads."""

"""An HTML report per training run: figures beside baselines and the champion, per-mood AP, confusions, pictures."""

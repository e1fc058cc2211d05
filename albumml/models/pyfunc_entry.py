"""The pyfunc model as MLflow's models-from-code entry: logged by file path, so nothing is pickled."""

import mlflow.models

from albumml.models.pyfunc import MoodPyfunc

mlflow.models.set_model(MoodPyfunc())

from __future__ import annotations

import pytest

from tenohira.assistant.nlu.classifier import IntentClassifier, load_training, training_text


@pytest.fixture(scope="session")
def classifier() -> IntentClassifier:
    """Trained once per test session from the repository's training file."""
    return IntentClassifier.train(load_training(training_text()))

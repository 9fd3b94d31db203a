"""LangChain's standard retriever suite, run on HybridRetriever over a fake-embedding in-memory index."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from bot.retrieval import HybridRetriever


# The suite has one async test; anyio runs it (and, unlike an asyncio mark, leaves sync tests be).
@pytest.mark.anyio
class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, tiny_index: Any) -> None:
        self._tiny_index = tiny_index

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"index": self._tiny_index}

    @property
    def retriever_query_example(self) -> str:
        return "What did the mayor say about the bridge vote?"

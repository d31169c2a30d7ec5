"""Batch days: the day's model requests sent as one OpenAI Batch (half the price, 24 h),
or written as a JSONL file for ``vllm run-batch``, and the answers read back.

    lines.py    the Batch JSONL: request lines, splitting at the limits, result lines
    record.py   ``batch.json`` in the day folder: what was submitted, so a re-run resumes
    collect.py  ``CollectingBackend``: a request not in the cache is queued, not sent
    remote.py   the provider's ``/v1/files`` and ``/v1/batches`` through the openai SDK
    run.py      a batch day: collect earlier answers, run the day, submit what is missing

Nothing here changes what a brief says: a batch answer is cached exactly as a live one
would be (same request body, same cache key) and the normal day run assembles the day.
"""

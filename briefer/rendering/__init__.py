"""The render layer: a document model (``blocks``) and one renderer per target.

Builders make each document once: a brief (``brief``, whose ``render`` gives md, json or
html), a digest (``briefer.digestrender``), the Slack messages (``briefer.slack_blocks``)
and the eval reports (``briefer.evals.report``). ``markdown``, ``html`` and the mrkdwn /
Block Kit renderer in ``slack_blocks`` each hold the one escaper for their target.
"""

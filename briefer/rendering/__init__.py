"""The render layer: a document model (``blocks``) and one renderer per target.

Builders make a document once: a brief (``briefer.render``), a digest
(``briefer.digestrender``), Slack messages (``briefer.slack_blocks``) and eval reports
(``briefer.evals.report``). ``markdown``, ``html`` and the mrkdwn/Block Kit renderer in
``slack_blocks`` each have the one escaper for their target.
"""

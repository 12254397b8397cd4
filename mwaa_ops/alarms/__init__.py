"""Alarms: definitions, routing to SNS, plan/apply, the evaluator and the backtest, maintenance mutes."""

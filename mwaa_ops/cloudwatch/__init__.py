"""cloudwatch"""

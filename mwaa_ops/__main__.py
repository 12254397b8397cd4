from mwaa_ops.cli.main import main

main()

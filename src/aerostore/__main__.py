from aerostore.cli.main import main

main()

from oneedge.cli.oneedge import main

main()

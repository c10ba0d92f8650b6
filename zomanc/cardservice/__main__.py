from zomanc.cardservice.server import main

raise SystemExit(main())

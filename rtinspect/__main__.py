from rtinspect.cli import main

raise SystemExit(main())

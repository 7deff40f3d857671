from stripe_sandbox.cli import main

raise SystemExit(main())

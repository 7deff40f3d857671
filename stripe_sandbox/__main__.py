from stripe_sandbox.entry import main

raise SystemExit(main())

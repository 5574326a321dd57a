"""The licensing app's pages, one module per audience: buyers (``checkout``, ``licenses``, ``plans``),
authors (``earnings``), Stripe (``stripe_webhook``) and the fake gateway's pages (``fake_stripe``)."""

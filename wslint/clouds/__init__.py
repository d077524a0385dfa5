"""The clouds' load balancers in front of `type: LoadBalancer` Services: one module per cloud,
each holding its `Cloud` profile (wslint.clouds.profile), listed in wslint.clouds.registry."""

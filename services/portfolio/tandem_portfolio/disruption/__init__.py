"""Implementation-caused disruption: incidents metrics links to a project's go-live, in its status and risks."""

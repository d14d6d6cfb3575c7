"""The admin site itself (title, index groups, the recent-changes page), kept apart from the
ModelAdmins in annotations/admin/: the lazily built default site imports this package, and
importing annotations/admin/ from there would register the models on a site about to be replaced."""

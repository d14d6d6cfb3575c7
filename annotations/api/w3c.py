def container(request, uuid):
    raise NotImplementedError


def annotation(request, uuid, annotation):
    raise NotImplementedError

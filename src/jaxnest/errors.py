"""NEST-named exceptions, so ``except nest.NESTErrors.BadProperty`` works as under PyNEST.

All derive from :class:`NESTError`; kernel errors derive from :class:`KernelException` as in
NEST 3.10. Raise them at the API boundary, before any simulation, with a message naming the
model, parameter or value at fault.
"""
# ruff: noqa: A001  (KeyError, NotImplemented: NEST's names, shadowing on purpose)


class NESTError(Exception):
    """Base of every error jaxnest raises on behalf of NEST."""


class KernelException(NESTError):
    """Base of NEST's kernel errors."""


class BadDelay(KernelException):
    pass


class BadParameter(KernelException):
    pass


class BadParameterValue(KernelException):
    pass


class BadProperty(KernelException):
    pass


class DimensionMismatch(KernelException):
    pass


class DistributionError(KernelException):
    pass


class DynamicModuleManagementError(KernelException):
    pass


class GSLSolverFailure(KernelException):
    pass


class IOError(KernelException):
    pass


class IllegalConnection(KernelException):
    pass


class IncompatibleReceptorType(KernelException):
    pass


class InexistentConnection(KernelException):
    pass


class InternalError(KernelException):
    pass


class InvalidTimeInModel(KernelException):
    pass


class KeyError(KernelException):
    pass


class LayerExpected(KernelException):
    """A spatial NodeCollection (a layer) was required."""


class ModelInUse(KernelException):
    pass


class NewModelNameExists(KernelException):
    pass


class NotImplemented(KernelException):
    pass


class NumericalInstability(KernelException):
    pass


class RangeCheck(KernelException):
    pass


class StepMultipleRequired(KernelException):
    pass


class TimeMultipleRequired(KernelException):
    pass


class TypeMismatch(KernelException):
    pass


class UnaccessedDictionaryEntry(KernelException):
    pass


class UndefinedName(KernelException):
    pass


class UnknownComponent(KernelException):
    pass


class UnknownModelName(KernelException):
    pass


class UnknownNode(KernelException):
    pass


class UnknownPort(KernelException):
    pass


class UnknownReceptorType(KernelException):
    pass


class UnknownSynapseType(KernelException):
    pass


class UnsupportedEvent(KernelException):
    pass


class NESTErrors:
    """Namespace mirroring PyNEST's ``nest.NESTErrors``."""

    NESTError = NESTError
    KernelException = KernelException
    BadDelay = BadDelay
    BadParameter = BadParameter
    BadParameterValue = BadParameterValue
    BadProperty = BadProperty
    DimensionMismatch = DimensionMismatch
    DistributionError = DistributionError
    DynamicModuleManagementError = DynamicModuleManagementError
    GSLSolverFailure = GSLSolverFailure
    IOError = IOError
    IllegalConnection = IllegalConnection
    IncompatibleReceptorType = IncompatibleReceptorType
    InexistentConnection = InexistentConnection
    InternalError = InternalError
    InvalidTimeInModel = InvalidTimeInModel
    KeyError = KeyError
    LayerExpected = LayerExpected
    ModelInUse = ModelInUse
    NewModelNameExists = NewModelNameExists
    NotImplemented = NotImplemented
    NumericalInstability = NumericalInstability
    RangeCheck = RangeCheck
    StepMultipleRequired = StepMultipleRequired
    TimeMultipleRequired = TimeMultipleRequired
    TypeMismatch = TypeMismatch
    UnaccessedDictionaryEntry = UnaccessedDictionaryEntry
    UndefinedName = UndefinedName
    UnknownComponent = UnknownComponent
    UnknownModelName = UnknownModelName
    UnknownNode = UnknownNode
    UnknownPort = UnknownPort
    UnknownReceptorType = UnknownReceptorType
    UnknownSynapseType = UnknownSynapseType
    UnsupportedEvent = UnsupportedEvent


class OutOfMemory(KernelException):
    """A network that would not fit in the memory available (raised before allocating, so
    that the process is not killed by the operating system)."""


NESTErrors.OutOfMemory = OutOfMemory


class UnknownCompartment(KernelException):
    """A compartment index that a compartmental model's tree lacks (cm_default)."""


NESTErrors.UnknownCompartment = UnknownCompartment

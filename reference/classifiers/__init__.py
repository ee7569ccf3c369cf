from .cnn import ThreeLayerConvNet

__all__ = ["ThreeLayerConvNet"]

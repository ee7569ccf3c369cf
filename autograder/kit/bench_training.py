"""The training throughput a student feels: one epoch of CS231n's default ThreeLayerConvNet
(float32, 3x32x32 images, batch 50, 32 7x7 filters, hidden 100), ours against torch.

Ours is the reference net (reference.classifiers.cnn: what assignment/classifiers/cnn.py is
once filled in) on the fast layers, trained with plain SGD as the Solver would; torch is the
same network (conv 7x7 pad 3 - relu - 2x2 max pool - affine - relu - affine - softmax) with
torch.optim.SGD, on as many threads as numpy's BLAS. The data are synthetic (random images
and labels): only the time counts. Like the students' net, ours also computes the gradient
of the images in the first layer (conv_relu_pool_backward returns it); torch skips it, as a
torch user's network would.

The epoch is cut into blocks of a few batches; ours and torch take turns block by block
(the machine may be shared: a disturbance then falls on both alike), over several rounds,
and each side's epoch time is the sum over blocks of its best time for that block.
"""
import time

import numpy as np

from .bench import BLOCK, REST, blas_threads, load_torch

IMAGES, BATCH, ROUNDS = 1000, 50, 3
LEARNING_RATE = 1e-3


def synthetic_data(images=IMAGES, seed=0):
    """Random float32 images (N, 3, 32, 32) and labels (N,) in 0..9."""
    rng = np.random.RandomState(seed)
    return rng.randn(images, 3, 32, 32).astype(np.float32), rng.randint(10, size=images)


def ours_step():
    """A function that trains our net on one batch (X, y)."""
    from reference.classifiers.cnn import ThreeLayerConvNet
    from reference.optim import sgd
    model = ThreeLayerConvNet()  # the CS231n defaults, float32
    configs = {name: {"learning_rate": LEARNING_RATE} for name in model.params}

    def step(X, y):
        _, grads = model.loss(X, y)
        for name, config in configs.items():
            model.params[name], _ = sgd(model.params[name], grads[name], config)
    return step


def torch_step(torch):
    """The same network, loss and update in torch."""
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 32, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2, 2),
                          nn.Flatten(), nn.Linear(32 * 16 * 16, 100), nn.ReLU(),
                          nn.Linear(100, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_function = nn.CrossEntropyLoss()

    def step(X, y):
        optimizer.zero_grad(set_to_none=True)
        loss_function(model(X), y).backward()
        optimizer.step()
    return step


def epoch_times(steps, batches, rounds=ROUNDS, block=BLOCK, rest=REST):
    """For each step function: the sum over blocks of `block` batches of its best time for
    that block, over `rounds` rounds in which the steps take turns block by block."""
    blocks = [batches[i:i + block] for i in range(0, len(batches), block)]
    best = [[float("inf")] * len(blocks) for _ in steps]
    for step, data in zip(steps, batches[0]):
        step(*data)  # warm-up: first calls allocate and fault in their memory
    for _ in range(rounds):
        for k, part in enumerate(blocks):
            for i, (step, data) in enumerate(zip(steps, zip(*part))):
                time.sleep(rest)
                start = time.perf_counter()
                for X, y in data:
                    step(X, y)
                best[i][k] = min(best[i][k], time.perf_counter() - start)
    return [sum(times) for times in best]


def bench_training(images=IMAGES, batch=BATCH, rounds=ROUNDS, threads=None):
    """Images per second of one epoch: {"ours": .., "torch": .. or None, "threads": ..}."""
    threads = threads or blas_threads()
    torch = load_torch(threads)
    X, y = synthetic_data(images)
    ours = [(X[i:i + batch], y[i:i + batch]) for i in range(0, images, batch)]
    steps, batches = [ours_step()], [[data] for data in ours]
    if torch:
        theirs = [(torch.from_numpy(X_), torch.from_numpy(y_)) for X_, y_ in ours]
        steps.append(torch_step(torch))
        batches = [[a, b] for a, b in zip(ours, theirs)]
    times = epoch_times(steps, batches, rounds)
    return {"ours": images / times[0], "torch": images / times[1] if torch else None,
            "threads": threads, "images": images, "batch": batch, "rounds": rounds}


def main(argv=None):
    result = bench_training()
    print(f"\nTraining throughput: one epoch of ThreeLayerConvNet (CS231n defaults, float32, "
          f"{result['images']} synthetic 3x32x32 images, batch {result['batch']}, SGD), "
          f"{result['threads']} threads each;\nblocks of {BLOCK} batches in turns, "
          f"best of {result['rounds']} rounds per block")
    print(f"  ours  {result['ours']:8.0f} images/s")
    if result["torch"] is None:
        print("  torch: not importable, skipped")
    else:
        print(f"  torch {result['torch']:8.0f} images/s   "
              f"ours/torch throughput {result['ours'] / result['torch']:.2f} "
              f"(time per epoch ours/torch {result['torch'] / result['ours']:.2f})")
    return 0


if __name__ == "__main__":
    main()

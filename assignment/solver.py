"""The Solver: trains a model with minibatch gradient descent (CS231n's API).

    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=5, batch_size=100, print_every=100)
    solver.train()

`model` has `params` (name -> array) and `loss(X, y=None)`, returning scores without y and
(loss, grads) with it. `data` has X_train, y_train, X_val, y_val. After train(), the params
with the best validation accuracy are back in the model, and the histories are kept in
`loss_history`, `train_acc_history` and `val_acc_history`.
"""
import numpy as np
from tqdm.auto import tqdm

from . import optim

__all__ = ["Solver"]

OPTIONS = {  # name -> (default, meaning)
    "update_rule": ("sgd", "a name in optim.UPDATE_RULES, or an update function"),
    "optim_config": (None, "hyperparameters for the update rule, e.g. learning_rate"),
    "lr_decay": (1.0, "the learning rate is multiplied by this after every epoch"),
    "batch_size": (100, "samples per minibatch"),
    "num_epochs": (10, "epochs to train for"),
    "num_train_samples": (1000, "training samples used to measure training accuracy"),
    "num_val_samples": (None, "validation samples used to measure accuracy (None: all)"),
    "checkpoint_name": (None, "if set, params and histories are saved to NAME_epoch_E.npz"),
    "print_every": (10, "iterations between progress-bar updates of the loss"),
    "verbose": (True, "show a progress bar and the accuracy after every epoch"),
}


class Solver(object):
    def __init__(self, model, data, **kwargs):
        unknown = sorted(set(kwargs) - set(OPTIONS))
        if unknown:
            raise ValueError(f"Unrecognized arguments {', '.join(unknown)}; valid ones are "
                             f"{', '.join(OPTIONS)}")
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        for name, (default, _) in OPTIONS.items():
            setattr(self, name, kwargs.get(name, default))
        self.optim_config = dict(self.optim_config or {})
        if callable(self.update_rule):
            self.update_rule_fn = self.update_rule
        elif self.update_rule in optim.UPDATE_RULES:
            self.update_rule_fn = optim.UPDATE_RULES[self.update_rule]
        else:
            raise ValueError(f'Invalid update_rule "{self.update_rule}"; choose one of '
                             f"{', '.join(optim.UPDATE_RULES)}, or pass a function")
        self._reset()

    def _reset(self):
        """Book-keeping: histories, the best model so far, one optimizer state per param."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """One gradient update on a random minibatch."""
        num_train = self.X_train.shape[0]
        batch = np.random.choice(num_train, self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            next_w, self.optim_configs[p] = self.update_rule_fn(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        np.savez(f"{self.checkpoint_name}_epoch_{self.epoch}.npz",
                 loss_history=np.array(self.loss_history),
                 train_acc_history=np.array(self.train_acc_history),
                 val_acc_history=np.array(self.val_acc_history),
                 **{f"param_{k}": v for k, v in self.model.params.items()})

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """The fraction of X that the model classifies as y (on a subsample if num_samples)."""
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            X, y, N = X[mask], y[mask], num_samples
        predictions = [np.argmax(self.model.loss(X[i:i + batch_size]), axis=1)
                       for i in range(0, N, batch_size)]
        return np.mean(np.hstack(predictions) == y)

    def _end_of_epoch(self, bar):
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._save_checkpoint()
        if self.verbose:
            bar.write("(Epoch %d / %d) train acc: %f; val_acc: %f"
                      % (self.epoch, self.num_epochs, train_acc, val_acc))
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}

    def train(self):
        """Run optimization to train the model."""
        iterations_per_epoch = max(self.X_train.shape[0] // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        if num_iterations:
            self._step()  # before the bar opens: a model that cannot take a step leaves no empty bar
        with tqdm(total=num_iterations, disable=not self.verbose, unit="it") as bar:
            for t in range(num_iterations):
                if t > 0:
                    self._step()
                bar.update(1)
                if t % self.print_every == 0:
                    bar.set_postfix(loss=f"{self.loss_history[-1]:.4f}")
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    for config in self.optim_configs.values():
                        config["learning_rate"] *= self.lr_decay
                if t == 0 or t == num_iterations - 1 or epoch_end:
                    self._end_of_epoch(bar)
        self.model.params = self.best_params

"""Write the datasets shipped in packages/nn/data/ (run once; the project never runs Python).

Source: scikit-learn's bundled copies (sklearn.datasets.load_breast_cancer / load_iris).
"""
import csv, os
from sklearn.datasets import load_breast_cancer, load_iris

here = os.path.join(os.path.dirname(__file__), '..', 'data')

def write(name, ds, target_name):
    with open(os.path.join(here, name), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow([c.replace(' (cm)', '_cm').replace(' ', '_') for c in ds.feature_names] + [target_name])
        for x, y in zip(ds.data, ds.target):
            w.writerow([repr(float(v)) for v in x] + [int(y)])

write('breast_cancer.csv', load_breast_cancer(), 'target')
write('iris.csv', load_iris(), 'species')
